# Behavioural probe (issue 3, docs/behaviour.md) on a fixed kernel (Debian
# 7.3): all six cases run and reproduce docs/background.md section 2's behaviour table.
# Measured under TCG on 7.3.4, and the same as real Intel hardware on 6.18.44.
.behaviour.ran == true
(.behaviour.cases | map([.mode, .guest_sets_bit12])) == [["legacy", true], ["legacy", false], ["enable", true], ["enable", false], ["disable", true], ["disable", false]]
[.behaviour.cases[].outcome] | all(. == "done")
# legacy: bit 12 sticks and the EOI still exits to userspace (the bug)
.behaviour.cases[0] | .lvr_directed_eoi and .spiv_bit12_stuck and .eoi_exit
.behaviour.cases[1] | .lvr_directed_eoi and (.spiv_bit12_stuck | not) and .eoi_exit
# enable (bit 2): bit 12 sticks and suppresses the exit; without it, the exit comes
.behaviour.cases[2] | .lvr_directed_eoi and .spiv_bit12_stuck and (.eoi_exit | not) and .spiv == 4607
.behaviour.cases[3] | .lvr_directed_eoi and (.spiv_bit12_stuck | not) and .eoi_exit
# disable (bit 3): not advertised, bit 12 cannot stick, the EOI exits
.behaviour.cases[4] | (.lvr_directed_eoi | not) and (.spiv_bit12_stuck | not) and .eoi_exit and .spiv == 511
.behaviour.cases[5] | (.lvr_directed_eoi | not) and (.spiv_bit12_stuck | not) and .eoi_exit
.behaviour.respected_verified == true
.behaviour.legacy_quirk_observed == true
.behaviour.not_advertised_verified == true
.behaviour.conflicts == []
# The behaviour LVR agrees with the capability probe's LVR for the same mode.
.behaviour.cases[0].lvr_directed_eoi == .kvm.lvr.split.legacy.directed_eoi
.behaviour.cases[2].lvr_directed_eoi == .kvm.lvr.split.enable.directed_eoi
.behaviour.cases[4].lvr_directed_eoi == .kvm.lvr.split.disable.directed_eoi
