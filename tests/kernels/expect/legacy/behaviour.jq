# Behavioural probe (issue 3, docs/behaviour.md) on a legacy kernel (Debian 6.1
# and 6.12): bits 2 and 3 are refused, so only the two legacy cases run, and
# they show the bug itself: SPIV bit 12 sticks (LVR bit 24 advertises Directed
# EOI) and the EOI is broadcast anyway. Measured under TCG on 6.1.0-50.
.behaviour.ran == true
(.behaviour.cases | map([.mode, .guest_sets_bit12])) == [["legacy", true], ["legacy", false], ["enable", true], ["enable", false], ["disable", true], ["disable", false]]
[.behaviour.cases[] | select(.mode == "legacy") | .outcome] == ["done", "done"]
[.behaviour.cases[] | select(.mode != "legacy") | .outcome] == ["skipped", "skipped", "skipped", "skipped"]
.behaviour.cases[0] | .lvr_directed_eoi and .spiv_bit12_stuck and .eoi_exit and .spiv == 4607
.behaviour.cases[1] | .lvr_directed_eoi and (.spiv_bit12_stuck | not) and .eoi_exit and .spiv == 511
.behaviour.legacy_quirk_observed == true
.behaviour.respected_verified == null
.behaviour.not_advertised_verified == null
.behaviour.conflicts == []
