"""pyguard's apt hooks: say before dpkg runs why Python packages' maintainer scripts will fail,
and after it what the run left broken.

apt runs every DPkg::Pre-Invoke and DPkg::Post-Invoke command of /etc/apt/apt.conf.d with
`sh -c` around each dpkg run, and aborts when one fails. pyguard's lines (conf.py) never fail
and never hang: they are time-limited and ignore the exit code, and the hooks (check.py) exit 0
whatever they find. check.py runs only the few rules that decide whether maintainer scripts can
run, over just the dpkg file lists those rules need, so a healthy system costs apt a few tens of
milliseconds and sees nothing. After `apt update`, APT::Update::Post-Invoke-Success runs the
third line (run.py, post-update): it brings the pip guard's index of the apt lists up to date.
"""
