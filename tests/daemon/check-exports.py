#!/usr/bin/python3
# check-exports.py KIND FILE: check an export against its consumer's documented
# format, with the consumer's own parser where Debian packages one.
#   prometheus  the text exposition format, parsed by prometheus_client (the
#               parser of the Prometheus project's Python client); plus the
#               rules node_exporter's textfile collector enforces: HELP and
#               TYPE for every family, no series given twice.
#   nova        OpenStack Nova's provider configuration file, schema 1.0
#               (docs.openstack.org/nova/latest/admin/managing-resource-providers):
#               YAML; meta.schema_version "1.N"; providers[].identification
#               with exactly one of uuid (a UUID or "$COMPUTE_NODE") or name
#               (1-200 characters); traits.additional names matching
#               ^[A-Z0-9_]{1,255}$ and custom (CUSTOM_ prefix).
#   nfd         node-feature-discovery's local feature files (features.d):
#               "name[=value]" lines, '#' comments; each name a Kubernetes
#               label key (DNS-subdomain prefix, '/', name of at most 63
#               characters) and each value a label value.
# Exit 0 valid; 1 invalid, with the reason on stderr.
import re
import sys


def fail(msg):
    print(f"check-exports.py: {sys.argv[2]}: {msg}", file=sys.stderr)
    sys.exit(1)


def check_prometheus(text):
    from prometheus_client.parser import text_string_to_metric_families

    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        fail(f"the Prometheus parser rejects it: {e}")
    if not families:
        fail("no metric family")
    declared = {m.group(1) for m in re.finditer(r"^# TYPE (\S+) ", text, re.M)}
    helped = {m.group(1) for m in re.finditer(r"^# HELP (\S+) ", text, re.M)}
    seen = set()
    for fam in families:
        if fam.name not in declared or fam.name not in helped:
            fail(f"family {fam.name} lacks its # HELP or # TYPE line")
        if fam.type != "gauge":
            fail(f"family {fam.name} is a {fam.type}, not a gauge")
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in seen:
                fail(f"series {key} appears twice")
            seen.add(key)
            if s.value != s.value:
                fail(f"series {key} is NaN")
    return {fam.name: fam for fam in families}


UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
TRAIT = re.compile(r"^[A-Z0-9_]{1,255}$")


def check_nova(text):
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        fail(f"not YAML: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict):
        fail("no meta mapping")
    version = doc["meta"].get("schema_version")
    if not isinstance(version, str) or not re.match(r"^1\.([0-9]|[1-9][0-9]+)$", version):
        fail(f"meta.schema_version {version!r} is not a 1.N string")
    providers = doc.get("providers")
    if not isinstance(providers, list) or not providers:
        fail("no providers list")
    traits = []
    for p in providers:
        ident = p.get("identification") if isinstance(p, dict) else None
        if not isinstance(ident, dict) or len(ident) != 1:
            fail(f"identification {ident!r} must have exactly one key")
        (kind, value), = ident.items()
        if kind == "uuid":
            if not isinstance(value, str) or not (value == "$COMPUTE_NODE" or UUID.match(value)):
                fail(f"uuid {value!r} is neither a UUID nor $COMPUTE_NODE")
        elif kind == "name":
            if not isinstance(value, str) or not 1 <= len(value) <= 200:
                fail(f"name {value!r} is not 1-200 characters")
        else:
            fail(f"unknown identification {kind!r}")
        additional = p.get("traits", {}).get("additional", [])
        if not isinstance(additional, list) or not additional:
            fail("a provider without traits is ignored by Nova")
        for t in additional:
            if not isinstance(t, str) or not TRAIT.match(t) or not t.startswith("CUSTOM_"):
                fail(f"trait {t!r} is not a custom trait name")
        traits += additional
    return traits


LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


def check_nfd(text):
    labels = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        prefix, slash, short = name.rpartition("/")
        if slash and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
            fail(f"line {n}: label prefix {prefix!r} is not a DNS subdomain")
        if not LABEL_NAME.match(short):
            fail(f"line {n}: label name {short!r} is not a Kubernetes label name")
        if not LABEL_VALUE.match(value):
            fail(f"line {n}: label value {value!r} is not a Kubernetes label value")
        if name in labels:
            fail(f"line {n}: label {name} given twice")
        labels[name] = value
    if not labels:
        fail("no labels")
    return labels


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("prometheus", "nova", "nfd"):
        print("usage: check-exports.py prometheus|nova|nfd FILE", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[2], encoding="utf-8") as f:
        text = f.read()
    result = {"prometheus": check_prometheus, "nova": check_nova, "nfd": check_nfd}[sys.argv[1]](text)
    if sys.argv[1] == "prometheus":
        for fam in result.values():
            for s in fam.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                print(f"{s.name}{{{labels}}} {s.value:g}")
    elif sys.argv[1] == "nova":
        print("\n".join(result))
    else:
        print("\n".join(f"{k}={v}" for k, v in result.items()))


main()
