# Issue 22 item 7, "names mean several things": each word in docs/layout.md's
# "Words with one meaning" names one thing. Mechanical renames of identifiers
# and file names, applied by tools/renames.sh to C, meson and Markdown files
# (GNU sed -E, idempotent: running it twice changes nothing). The renamed
# fields, which only C spells, are in tools/renames-c.sed.
# Published spellings (JSON keys, rule names, D-Bus names, CLI words) are not
# touched here: the record's section stays "verdict", the domain record's key
# stays "verdict".

# The hook's answer (allow ... error-deny), not a verdict.
s/\bgate_verdict/gate_answer/g

# A host's judgement in a decision, not a verdict.
s/\btarget_verdict\b/host_judgement/g
s/\bhost_verdict_to_json\b/host_judgement_to_json/g

# The audit's overall answer, not a verdict.
s/\benum audit_verdict\b/enum audit_overall/g
s/\baudit_verdict_(to_string|table)\b/audit_overall_\1/g
s/\bWORDS\(audit_verdict, /WORDS(audit_overall, /g
s/\bDEFINE_STRING_TABLE_LOOKUP_TO_STRING\(audit_verdict, /DEFINE_STRING_TABLE_LOOKUP_TO_STRING(audit_overall, /g

# What the kernel offers: the capability probe's claims, not a verdict. The
# host record's field is `claims`; its published JSON section stays "verdict".
s/\bkvm_verdict/kvm_claims/g
s/\btest([-_])kvm([-_])verdict/test\1kvm\2claims/g
s/'kvm-verdict'/'kvm-claims'/g

# The best state for the guest's hardware before any host is asked, not the
# decision's preferred state.
s/\bpreferred_state\(/best_state(/g

# The state in a guest's seoib metadata: its metadata state, not a record.
s/\bhas_recorded_state\b/has_metadata_state/g
s/\brecorded_(state|host|decided)\b/metadata_\1/g
