"""edge-camera: anonymous zone occupancy and dwell from a store camera.

The pipeline is ``source -> detector -> tracker -> zones -> publisher`` and runs
in its own process (``edge-camera``) so camera work never stalls the device
agent's recommendation loop. Only counts, times and random short-lived track
ids ever leave it: no frame, crop or face is published or stored (the optional
installer debug output stays on the device and is off by default).
"""
