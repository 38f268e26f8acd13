#!/usr/bin/env python3
"""Checks the layering the tree promises (docs/architecture.md, "Layers").

The runtime (cli/runtime/: daemon, workers, config, metrics endpoint) must not
depend on a command-line parser or on benchmark code, so it can be driven by
something other than the `qcflow` command:
  - no file under cli/runtime/ includes CLI11, Google Benchmark, bench/ or a
    command header of cli/ (cli/version.h, a constant, is allowed);
  - the libraries qcflow_runtime and qcflow_config link, followed through
    every target_link_libraries in the tree, reach none of CLI11, benchmark,
    qcflow_benchkit or qcflow_cli.
And the runtime, `validate`, `status` and the component contract itself
(process/component/) name no concrete component kind (by include of a
component folder or by symbol: mpc::, dqa3::, icom::, qatrack::, Kind::kMpc
...): they reach every kind through the contract (issue 14), so adding a kind
needs no edit there.
Prints each violation with where it comes from; exits 1 on any.

Usage: check_layering.py SOURCE_DIR [--self-test]
"""
import pathlib
import re
import sys

RUNTIME_DIR = "cli/runtime"
RUNTIME_TARGETS = ["qcflow_runtime", "qcflow_config"]
FORBIDDEN_TARGETS = {"CLI11::CLI11", "benchmark::benchmark", "benchmark::benchmark_main",
                     "qcflow_benchkit", "qcflow_cli"}
ALLOWED_CLI_HEADERS = {"cli/version.h"}
# Files of the runtime, validate and status that must not name a concrete kind.
KIND_FREE_GLOBS = ["cli/runtime/*.h", "cli/runtime/*.cc", "cli/validate*.h", "cli/validate*.cc",
                   "cli/status_command.cc", "process/component/*.h", "process/component/*.cc",
                   "process/component/*.in"]
NAMES_A_KIND = re.compile(r'#\s*include\s*"(ingest/|process/(mpc|dqa3|icom)/|export/)'
                          r'|Kind::k(Mpc|Dqa3|Icom)\b|\b(mpc|dqa3|icom|qatrack)::')
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
LINK = re.compile(r"target_link_libraries\s*\(\s*([^\s)]+)([^)]*)\)", re.S)
KEYWORDS = {"PUBLIC", "PRIVATE", "INTERFACE"}


def forbidden_include(path):
    if path.startswith(("CLI/", "benchmark/", "bench/")):
        return True
    return (path.startswith("cli/") and not path.startswith(RUNTIME_DIR + "/")
            and path not in ALLOWED_CLI_HEADERS)


def include_violations(root):
    out = []
    for f in sorted((root / RUNTIME_DIR).glob("*")):
        if f.suffix not in (".h", ".cc"):
            continue
        for inc in INCLUDE.findall(f.read_text(errors="replace")):
            if forbidden_include(inc):
                out.append(f"{f.relative_to(root)} includes {inc}")
    return out


def kind_lines(text):
    return sum(1 for line in text.splitlines() if NAMES_A_KIND.search(line))


def kind_violations(root):
    out = []
    files = sorted({f for g in KIND_FREE_GLOBS for f in root.glob(g) if not f.name.endswith("_test.cc")})
    for f in files:
        n = kind_lines(f.read_text(errors="replace"))
        if n:
            out.append(f"{f.relative_to(root)}: {n} line(s) name a concrete component kind; "
                       "reach components through the contract (process/component/component.h)")
    return out


def link_graph(cmake_texts):
    graph = {}
    for where, text in cmake_texts:
        text = re.sub(r"#[^\n]*", "", text)
        for target, rest in LINK.findall(text):
            for dep in rest.split():
                if dep in KEYWORDS or "$<" in dep:
                    continue
                graph.setdefault(target, []).append((dep, where))
    return graph


def link_violations(graph):
    out = []
    for start in RUNTIME_TARGETS:
        if start not in graph:
            out.append(f"{start}: no target_link_libraries found (was it renamed?)")
            continue
        seen, stack = {start}, [(start, [start])]
        while stack:
            target, path = stack.pop()
            for dep, where in graph.get(target, []):
                if dep in FORBIDDEN_TARGETS:
                    out.append(f"{' -> '.join(path + [dep])} (linked in {where})")
                elif dep not in seen:
                    seen.add(dep)
                    stack.append((dep, path + [dep]))
    return out


def self_test():
    # The check must be able to fail: a runtime that reaches CLI11 through a
    # helper library, and one that includes a command header.
    graph = link_graph([("a", "target_link_libraries(qcflow_runtime PUBLIC helper)\n"
                              "target_link_libraries(qcflow_config PRIVATE x)"),
                        ("b", "target_link_libraries(helper PRIVATE CLI11::CLI11)")])
    assert link_violations(graph) == ["qcflow_runtime -> helper -> CLI11::CLI11 (linked in b)"], \
        link_violations(graph)
    assert forbidden_include("cli/command.h") and forbidden_include("CLI/CLI.hpp")
    assert not forbidden_include("cli/runtime/config.h") and not forbidden_include("cli/version.h")
    assert kind_lines('#include "process/mpc/mpc_transform.h"\nx = Kind::kDqa3;\nicom::Framer f;\n'
                      'SessionMapping m;\n#include "process/common/qc_session.h"\n') == 3
    print("check_layering self-test: ok")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if "--self-test" in argv:
        self_test()
    root = pathlib.Path(argv[1]).resolve()
    texts = [(str(p.relative_to(root)), p.read_text())
             for p in sorted(root.rglob("CMakeLists.txt"))
             if not any(part.startswith("build") or part == ".git" for part in p.relative_to(root).parts)]
    problems = include_violations(root) + link_violations(link_graph(texts)) + kind_violations(root)
    for p in problems:
        print("layering: " + p)
    if problems:
        print(f"layering: {len(problems)} violation(s) of the layers docs/architecture.md "
              "draws (section Layers)")
        return 1
    print(f"layering: ok ({len(texts)} CMakeLists.txt read; runtime targets {', '.join(RUNTIME_TARGETS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
