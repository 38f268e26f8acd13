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
    problems = include_violations(root) + link_violations(link_graph(texts))
    for p in problems:
        print("layering: " + p)
    if problems:
        print(f"layering: {len(problems)} violation(s): the runtime must not depend on the "
              "commands or the benchmarks (docs/architecture.md, Layers)")
        return 1
    print(f"layering: ok ({len(texts)} CMakeLists.txt read; runtime targets {', '.join(RUNTIME_TARGETS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
