"""A process's resident memory, open files and threads, from /proc (Linux)."""
import os


def _status(pid):
    """/proc/PID/status as {field: first word of its value}; OSError when there is no such process."""
    fields = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            words = value.split()
            if words:
                fields[name] = words[0]
    return fields


def rss_kib(pid):
    """VmRSS in KiB; 0 when the kernel shows none (a zombie); OSError when there is no such process."""
    return int(_status(pid).get("VmRSS", 0))


def open_files(pid):
    """How many descriptors the process has open; OSError when there is no such process."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def process_figures(pid):
    """{"rss_kb", "hwm_kb" (VmHWM, the peak), "threads", "fds"}; None for what cannot be read (the
    process is gone, or shows no such field). Never raises."""
    figures = {"rss_kb": None, "hwm_kb": None, "threads": None, "fds": None}
    try:
        status = _status(pid)
        figures["rss_kb"] = int(status["VmRSS"]) if "VmRSS" in status else None
        figures["hwm_kb"] = int(status["VmHWM"]) if "VmHWM" in status else None
        figures["threads"] = len(os.listdir(f"/proc/{pid}/task"))
        figures["fds"] = open_files(pid)
    except OSError:
        pass
    return figures
