"""pyguard fix and undo: run the repairs of the current findings, keeping every file they change.

The repair commands are the ones doctor prints; this package adds what a person running them by
hand would not do: check that apt can get every package first, copy each file a step will
remove or overwrite into the undo store (/var/lib/pyguard/undo/ID inside the examined system),
run the steps in a chroot with the mounts apt needs, stop at the first failure, and say what is
left.
"""
