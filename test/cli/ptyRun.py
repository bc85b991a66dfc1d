# Runs a command on a pseudo-terminal (as if typed at one), for test/cli: waits for each prompt in
# turn, types its answer, then reads to the end. Prints {"code": N, "out": "..."} as JSON.
# Usage: PTY_SCRIPT='[["prompt", "answer\r"], ...]' python3 ptyRun.py COMMAND ARGS...
import json, os, pty, select, sys, time

script = json.loads(os.environ['PTY_SCRIPT'])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

out = b''
def read_more(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        d = os.read(fd, 4096)
    except OSError:
        return False
    if not d:
        return False
    out += d
    return True

seen = 0
for prompt, answer in script:
    end = time.time() + 30
    while out.find(prompt.encode(), seen) < 0 and time.time() < end:
        if not read_more(0.1):
            break
    found = out.find(prompt.encode(), seen)
    if found < 0:
        break
    seen = found + len(prompt)
    os.write(fd, answer.encode())
end = time.time() + 30
while time.time() < end and read_more(1):
    pass
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
sys.stdout.write(json.dumps({"code": code, "out": out.decode('utf8', 'replace')}))
