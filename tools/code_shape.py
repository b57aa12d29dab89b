"""Report the code's shape (run by hand): the longest modules of app/service, the classes with
the most methods and the longest functions in app/. Issue 23's limits: no service module over
250 lines, no class over 15 methods, no function of 50 lines or more."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "app"


def main() -> int:
    modules, classes, functions = [], [], []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text()
        name = str(path.relative_to(ROOT.parent))
        if path.parent.is_relative_to(ROOT / "service"):
            modules.append((len(text.splitlines()), name))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                methods = [
                    n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                classes.append((len(methods), f"{name}:{node.name}"))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append((node.end_lineno - node.lineno + 1, f"{name}:{node.name}"))
    report = [("service modules (lines, limit 250)", modules, 250),
              ("classes (methods, limit 15)", classes, 15),
              ("functions (lines, limit 49)", functions, 49)]  # fmt: skip
    over = 0
    for title, found, limit in report:
        print(title)
        for size, where in sorted(found, reverse=True)[:5]:
            print(f"  {size:4d}  {where}{'  OVER' if size > limit else ''}")
        over += sum(size > limit for size, _ in found)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
