"""Checks of the profile `observability`'s files without Prometheus or Grafana: the
structure of a Prometheus configuration and of its rule files (promtool is not installed),
and the metric and label names a PromQL expression uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from containerfiles import REPO

PROMETHEUS_DIR = REPO / "compose" / "prometheus"
GRAFANA_DIR = REPO / "compose" / "grafana"

DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
TARGET = re.compile(r"^[A-Za-z0-9_.-]+:\d{1,5}$")
TOP_LEVEL = {"global", "rule_files", "scrape_configs", "alerting", "remote_write", "remote_read", "storage"}
GLOBAL = {"scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels", "query_log_file"}
SCRAPE = {
    "job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params", "honor_labels",
    "honor_timestamps", "static_configs", "dns_sd_configs", "file_sd_configs", "relabel_configs",
    "metric_relabel_configs", "sample_limit", "basic_auth", "authorization", "tls_config",
}  # fmt: skip
DISCOVERY = ("static_configs", "dns_sd_configs", "file_sd_configs")
DNS_SD = {"names", "type", "port", "refresh_interval"}
DNS_TYPES = {"A", "AAAA", "SRV", "MX", "NS"}
RULE = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", duration))


def _duration_problems(where: str, node: dict[str, Any], keys: tuple[str, ...]) -> Iterator[str]:
    for key in keys:
        if key in node and not (isinstance(node[key], str) and DURATION.match(node[key])):
            yield f"{where}.{key}: {node[key]!r} is not a Prometheus duration"


def _unknown(where: str, node: Any, allowed: set[str]) -> Iterator[str]:
    if not isinstance(node, dict):
        yield f"{where}: not a mapping"
        return
    yield from (f"{where}.{key}: unknown field" for key in sorted(set(node) - allowed))


def prometheus_problems(config: Any) -> list[str]:
    """What Prometheus would refuse in `config` (the fields we use, checked as it checks them)."""
    problems = list(_unknown("<root>", config, TOP_LEVEL))
    if problems and not isinstance(config, dict):
        return problems
    glob = config.get("global", {})
    problems += _unknown("global", glob, GLOBAL)
    problems += _duration_problems(
        "global", glob, ("scrape_interval", "scrape_timeout", "evaluation_interval")
    )
    interval = glob.get("scrape_interval", "1m")
    if not problems and seconds(glob.get("scrape_timeout", "10s")) > seconds(interval):
        problems.append("global.scrape_timeout is longer than scrape_interval")
    if not all(isinstance(f, str) and f for f in config.get("rule_files", [])):
        problems.append("rule_files: each one a path")
    jobs = config.get("scrape_configs")
    if not isinstance(jobs, list) or not jobs:
        return [*problems, "scrape_configs: a list of jobs"]
    names = [job.get("job_name") for job in jobs if isinstance(job, dict)]
    problems += [f"job_name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for number, job in enumerate(jobs):
        problems += _job_problems(f"scrape_configs[{number}]", job)
    return problems


def _job_problems(where: str, job: Any) -> list[str]:
    problems = list(_unknown(where, job, SCRAPE))
    if problems and not isinstance(job, dict):
        return problems
    if not isinstance(job.get("job_name"), str) or not job["job_name"]:
        problems.append(f"{where}.job_name: required")
    problems += _duration_problems(where, job, ("scrape_interval", "scrape_timeout"))
    if not str(job.get("metrics_path", "/metrics")).startswith("/"):
        problems.append(f"{where}.metrics_path: a path from /")
    if job.get("scheme", "http") not in ("http", "https"):
        problems.append(f"{where}.scheme: http or https")
    if not any(job.get(key) for key in DISCOVERY):
        problems.append(f"{where}: no targets (static_configs or a service discovery)")
    for number, static in enumerate(job.get("static_configs") or []):
        problems += _unknown(f"{where}.static_configs[{number}]", static, {"targets", "labels"})
        for target in static.get("targets", []) if isinstance(static, dict) else []:
            if not TARGET.match(str(target)):
                problems.append(f"{where}.static_configs[{number}]: target {target!r} is not host:port")
    for number, dns in enumerate(job.get("dns_sd_configs") or []):
        problems += _dns_problems(f"{where}.dns_sd_configs[{number}]", dns)
    return problems


def _dns_problems(where: str, dns: Any) -> list[str]:
    problems = list(_unknown(where, dns, DNS_SD))
    if problems and not isinstance(dns, dict):
        return problems
    if not dns.get("names") or not all(isinstance(n, str) and n for n in dns["names"]):
        problems.append(f"{where}.names: a list of DNS names")
    if dns.get("type", "SRV") not in DNS_TYPES:
        problems.append(f"{where}.type: one of {sorted(DNS_TYPES)}")
    port = dns.get("port")
    if dns.get("type", "SRV") != "SRV" and not (isinstance(port, int) and 0 < port < 65536):
        problems.append(f"{where}.port: required for an {dns.get('type')} lookup")
    problems += _duration_problems(where, dns, ("refresh_interval",))
    return problems


def rule_problems(rules: Any) -> list[str]:
    """What Prometheus would refuse in a rule file: groups with unique names, each rule an alert
    or a recording with an expression, durations, string labels and annotations."""
    groups = rules.get("groups") if isinstance(rules, dict) else None
    if set(rules or {}) != {"groups"} or not isinstance(groups, list):
        return ["<root>: a mapping with only `groups`, a list"]
    problems: list[str] = []
    names = [group.get("name") for group in groups]
    problems += [f"group {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for g, group in enumerate(groups):
        problems += _unknown(f"groups[{g}]", group, {"name", "interval", "rules", "limit"})
        for r, rule in enumerate(group.get("rules") or []):
            where = f"groups[{g}].rules[{r}]"
            problems += _unknown(where, rule, RULE)
            if ("alert" in rule) == ("record" in rule):
                problems.append(f"{where}: exactly one of alert and record")
            if not isinstance(rule.get("expr"), str) or not rule["expr"].strip():
                problems.append(f"{where}.expr: required")
            problems += _duration_problems(where, rule, ("for", "keep_firing_for"))
            for key in ("labels", "annotations"):
                if not all(isinstance(v, str) for v in (rule.get(key) or {}).values()):
                    problems.append(f"{where}.{key}: string values")
    return problems


# PromQL words that are not metric names: aggregations (followed by `(` or a `by` clause),
# operators and modifiers.
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "group",
    "count_values", "limitk", "by", "without", "on", "ignoring", "group_left", "group_right", "and",
    "or", "unless", "offset", "bool", "inf", "nan", "atan2",
}  # fmt: skip
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_MATCHERS = re.compile(r"\{([^}]*)\}")
_WORD = re.compile(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*")


def promql_names(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression uses: labels from its matchers and its
    by/without/on/ignoring lists; Grafana's `$__…` variables and range durations left out."""
    expr = re.sub(r"\$\w+", "", expr)
    labels = {m for group in _GROUPING.findall(expr) for m in re.findall(r"\w+", group[1])}
    for matchers in _MATCHERS.findall(_STRING.sub('""', expr)):
        labels |= set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))
    bare = _GROUPING.sub(" ", _MATCHERS.sub(" ", re.sub(r"\[[^\]]*\]", " ", _STRING.sub('""', expr))))
    metrics = set()
    for match in _WORD.finditer(bare):
        word, rest = match.group(), bare[match.end() :].lstrip()
        if not rest.startswith("(") and word not in PROMQL_WORDS:
            metrics.add(word)
    return metrics, labels


def unknown_names(
    expr: str, exposed: dict[str, frozenset[str]], extra: dict[str, frozenset[str]]
) -> list[str]:
    """The metric names of `expr` no service exposes, and the label names none of its metrics has."""
    known = {**exposed, **extra}
    metrics, labels = promql_names(expr)
    missing = sorted(metrics - set(known))
    has = set().union(*(known.get(m, frozenset()) for m in metrics), {"job", "instance"})
    return [*(f"metric {m}" for m in missing), *(f"label {label}" for label in sorted(labels - has))]
