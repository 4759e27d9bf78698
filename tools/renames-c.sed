# Issue 22 item 7: the renamed struct fields, applied by tools/renames.sh to
# C files only, after tools/renames.sed (whose type names these lines use).
# Not for Markdown or shell: a jq filter such as .verdict.generation names the
# record's published section, which keeps its spelling.

# The hook's answer: gate_outcome.verdict -> .answer. `out` is a
# gate_outcome wherever it has a verdict not followed by a field, except
# the decision's own verdict in policy.c/policy.h (domain_verdict(), "can
# it go anywhere").
s/\benum gate_answer verdict;/enum gate_answer answer;/g
/domain_verdict|can it go anywhere/!s/\b(out|gate)(->|\.)verdict\b([^.]|$)/\1\2answer\3/g
s/\.verdict = GATE_/.answer = GATE_/g

# The kernel's claims: host_record.verdict -> .claims.
s/\bstruct kvm_claims verdict;/struct kvm_claims claims;/g
s/(->|\.)verdict\.(generation|kernel_states|unknown_bits|split_masking_observed|n_problems|problems)\b/\1claims.\2/g
s/&(\w+)->verdict([);,])/\&\1->claims\2/g
