"""Set up the kit and open the lab, with nothing but Python: what `make lab` and `make test` run.

    python3 bootstrap.py            # set up if needed, start the sandbox, open JupyterLab
    python3 bootstrap.py setup      # only create .venv and install the pinned packages
    python3 bootstrap.py test       # set up if needed, then what CI runs (ruff, pytest, nbval)

Works the same on Linux, macOS and WSL2, with or without `make`. It says what it does, step by
step: the interpreter check, creating `.venv`, installing the packages (with uv when it can: uv
on PATH, else uv installed into the venv with pip; pip otherwise, or when LAB_INSTALLER=pip),
starting the sandbox, and where to open the lab. Kept to Python 3.6 syntax so that an old
interpreter gets the message naming what to install instead of a syntax error.
"""
# ruff: noqa: UP021, UP032  - str.format and universal_newlines: Python 3.6 runs this file too
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / (os.environ.get("VENV") or ".venv")  # an absolute VENV stays as it is
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".installed"
# Every pinned package has wheels for these (pandas 3.1.1, numpy and jsonpath-ng need 3.11;
# cfn-lint, pulled in by moto, stops before 3.15). CI and the measured figures use 3.11.
SUPPORTED = ((3, 11), (3, 14))
TESTED = "3.11"
UV_VERSION = "0.13.8"
DEFAULT_PORT = 4599


def say(text, end="\n"):
    print(text, end=end, flush=True)


def venv_python():
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def check_interpreter():
    low, high = SUPPORTED
    version = sys.version_info[:2]
    found = "Python {}.{}.{} at {}".format(*sys.version_info[:3], sys.executable)
    if not low <= version <= high:
        sys.exit("{}: the kit needs Python {}.{} to {}.{} (tested on {}).\n"
                 "Install one (python.org, Homebrew `brew install python@3.12`, Debian/Ubuntu "
                 "`apt install python3.12 python3.12-venv`, or `uv python install 3.12`) and run it, e.g.\n"
                 "  make lab PYTHON=python3.12     or     python3.12 bootstrap.py".format(
                     found, *low, *high, TESTED))
    try:
        import ensurepip  # noqa: F401  - Debian/Ubuntu ship venv without it
        import venv  # noqa: F401
    except ImportError:
        sys.exit("{}: its venv module is missing. On Debian/Ubuntu: "
                 "apt install python{}.{}-venv".format(found, *version))
    say("[1/4] {}: fine (the kit needs {}.{} to {}.{})".format(found, *low, *high))


def requirements_hash():
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def installer(python):
    """('uv', path) when uv can be had, else ('pip', None)."""
    if os.environ.get("LAB_INSTALLER", "").lower() == "pip":
        return "pip", None
    on_path = shutil.which("uv")
    if on_path:
        return "uv", on_path
    in_venv = python.parent / ("uv.exe" if os.name == "nt" else "uv")
    if not in_venv.exists():
        say("      getting uv {} (a fast installer) with pip ...".format(UV_VERSION), end=" ")
        started = time.monotonic()
        result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                 "uv=={}".format(UV_VERSION)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if result.returncode != 0 or not in_venv.exists():
            say("not available, using pip")
            return "pip", None
        say("done ({:.0f} s)".format(time.monotonic() - started))
    return "uv", str(in_venv)


def install(python):
    pinned = [line for line in REQUIREMENTS.read_text().splitlines() if line.strip() and not line.startswith("#")]
    tool, uv = installer(python)
    say("[3/4] Installing {} pinned packages and their dependencies with {} ...".format(len(pinned), tool))
    started = time.monotonic()
    if tool == "uv":
        # uv's own progress (Resolved / Downloading / Prepared / Installed N packages), without
        # its list of every package installed. uv writes no .pyc files (pip does); Python writes
        # them on first import, except where PYTHONDONTWRITEBYTECODE is set (CI machines): there
        # every kernel, sandbox and Lambda worker compiled pandas, moto and boto3 from source at
        # each start, so uv compiles them once (~17 s), which took nbval from 137 s to 93 s.
        compile_now = ["--compile-bytecode"] if os.environ.get("PYTHONDONTWRITEBYTECODE") else []
        command = [uv, "pip", "install", *compile_now, "--python", str(python), "-r", str(REQUIREMENTS)]
        code = _filtered(command, lambda line: None if line.startswith((" + ", " - ")) else "      " + line.strip())
    else:
        command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off",
                   "-r", str(REQUIREMENTS)]
        code = _pip_with_progress(command)
    if code != 0:
        sys.exit("The install failed (exit {}): see the lines above. Re-run to retry; "
                 "`LAB_INSTALLER=pip` forces pip.".format(code))
    # The .pth file puts the repo on the venv's path, so notebook kernels (which run in notebooks/)
    # import lab_helpers and aws_sandbox without an install step.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    Path(site, "api-composition-kit.pth").write_text(str(ROOT) + "\n")
    STAMP.write_text(requirements_hash() + "\n")
    say("      done in {:.0f} s".format(time.monotonic() - started))


def _filtered(command, shown):
    """Run ``command``, printing ``shown(line)`` for each output line (None: not printed)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    for line in process.stdout:
        text = shown(line)
        if text is not None:
            say(text)
    return process.wait()


def _pip_with_progress(command):
    """pip, one short line per package it collects instead of its full chatter."""
    count = [0]

    def shown(line):
        if line.startswith("Collecting "):
            count[0] += 1
            return "      ({:3d}) {}".format(count[0], line[len("Collecting "):].split()[0])
        if line.startswith(("Installing collected", "Successfully installed")):
            line = line.strip()
            return "      " + line[:100] + ("…" if len(line) > 100 else "")
        return line.rstrip() if line.startswith("ERROR") else None

    return _filtered(command, shown)


def setup():
    check_interpreter()
    python = venv_python()
    if not python.exists():
        say("[2/4] Creating the environment {} ...".format(VENV), end=" ")
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        say("done ({:.0f} s)".format(time.monotonic() - started))
    else:
        say("[2/4] Environment {}: exists".format(VENV))
    if STAMP.exists() and STAMP.read_text().strip() == requirements_hash():
        say("[3/4] Packages: installed and current (requirements.txt unchanged)")
        os.utime(str(STAMP))  # so make sees the stamp newer than requirements.txt
    else:
        install(python)
    return python


def lab(python, port):
    backend = os.environ.get("LAB_BACKEND", "sandbox").strip().lower() or "sandbox"
    env = dict(os.environ)
    if backend == "sandbox":
        say("[4/4] Starting the sandbox (an offline AWS) on 127.0.0.1:{} ...".format(port), end=" ")
        started = time.monotonic()
        answer = subprocess.run([str(python), "-m", "aws_sandbox", "start", "--port", str(port)], cwd=str(ROOT),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if answer.returncode != 0:
            sys.exit("could not start it:\n" + answer.stdout)
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:{}".format(port)
        say("ready ({:.1f} s)".format(time.monotonic() - started))
    else:
        say("[4/4] LAB_BACKEND={}: no sandbox to start".format(backend))
    command = [str(python), "-m", "jupyterlab", "--notebook-dir", str(ROOT / "notebooks")]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root (common in containers) unless told
    say("Opening JupyterLab: it prints the address to open below, http://localhost:8888/lab?token=…\n"
        "Start with notebooks/00_setup.ipynb. Stop with Ctrl-C.")
    sys.exit(subprocess.run(command, env=env).returncode)


def main(argv):
    command = argv[0] if argv else "lab"
    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    if "--port" in argv:
        port = int(argv[argv.index("--port") + 1])
    if command not in ("lab", "setup", "test"):
        sys.exit(__doc__)
    python = setup()
    if command == "lab":
        lab(python, port)
    elif command == "test":
        for step in ([str(python), "-m", "ruff", "check", "."], [str(python), "-m", "pytest"],
                     [str(python), str(ROOT / "tests" / "run_nbval.py")]):
            code = subprocess.run(step, cwd=str(ROOT)).returncode
            if code != 0:
                sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
