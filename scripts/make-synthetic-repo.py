#!/usr/bin/env python3
"""Creates a git repository of N text files (about TOTAL MB) for audit benchmarks, with a few
secret-looking lines and keywords sprinkled in, and commits it. Deterministic (seeded)."""
import argparse, os, random, subprocess

ap = argparse.ArgumentParser()
ap.add_argument("path")
ap.add_argument("--files", type=int, default=4000)
ap.add_argument("--total-mb", type=float, default=40)
a = ap.parse_args()
rnd = random.Random(7)
os.makedirs(a.path, exist_ok=True)
subprocess.run(["git", "init", "-q", "-b", "main", a.path], check=True)
per = int(a.total_mb * 1024 * 1024 / a.files)
words = ["def", "return", "value", "config", "token", "result", "import", "class", "self", "data", "print", "if", "else"]
for i in range(a.files):
    d = os.path.join(a.path, "src", f"pkg{i % 97}", f"mod{i % 13}")
    os.makedirs(d, exist_ok=True)
    lines, size = [], 0
    while size < per:
        line = " ".join(rnd.choice(words) for _ in range(rnd.randint(4, 12)))
        if rnd.random() < 0.0005:
            line = 'aws_key = "AKIA' + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)) + '"'
        lines.append(line)
        size += len(line) + 1
    with open(os.path.join(d, f"file{i}.py"), "w") as f:
        f.write("\n".join(lines) + "\n")
with open(os.path.join(a.path, "README.md"), "w") as f:
    f.write("# synthetic\n")
env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
subprocess.run(["git", "add", "-A"], cwd=a.path, check=True, env=env)
subprocess.run(["git", "commit", "-q", "-m", "synthetic"], cwd=a.path, check=True, env=env)
print(a.path)
