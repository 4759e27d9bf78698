/* seoibd logs to stderr with sd-daemon(3) "<N>" priority prefixes: under
 * systemd the journal reads the level from them, in a terminal they stay
 * readable. */
#pragma once

#include <stdio.h>
#include <systemd/sd-daemon.h>

#define log_error(fmt, ...) fprintf(stderr, SD_ERR "seoibd: " fmt "\n", ##__VA_ARGS__)
#define log_warning(fmt, ...) fprintf(stderr, SD_WARNING "seoibd: " fmt "\n", ##__VA_ARGS__)
#define log_info(fmt, ...) fprintf(stderr, SD_INFO "seoibd: " fmt "\n", ##__VA_ARGS__)
