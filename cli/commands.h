/* seoibctl's sub-commands: each a thin layer over lib/, in its own file.
 * Each returns an exit code from seoib/exit_codes.h. */
#pragma once

int cmd_probe(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_reprobe(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_ack(int argc, char **argv);
int cmd_forget_state(int argc, char **argv);
