#!/usr/bin/env python3
"""Drives `pumpsim serve` with nesp-lib, a third-party NE-1000 client, unchanged.

Usage: nesp_lib_session.py LINK CONTROL_SOCKET SAFE_MODE_TIMEOUT_S

Sets diameter, rate and volume, runs to the volume target, reads the dispensed volume, then runs
again and stops, all through nesp-lib's public API. Every reading is checked against the
simulator's ground truth from its control socket. Prints one JSON line; exits 1 on any mismatch.
"""
import json
import socket
import sys
import time

import nesp_lib


def ground_truth(control_path):
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(control_path)
        connection.sendall(b"status\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    return json.loads(reply)


def main():
    link, control_path, safe_mode = sys.argv[1], sys.argv[2], int(sys.argv[3])
    failures = []

    def check(condition, what):
        if not condition:
            failures.append(what)

    with nesp_lib.Port(link, 19200) as port:
        pump = nesp_lib.Pump(port, address=0, safe_mode_timeout_s=safe_mode)
        check(pump.model_number == 1000, f"model number {pump.model_number}")
        check(pump.safe_mode_timeout_s == safe_mode, f"safe mode timeout {pump.safe_mode_timeout_s}")

        pump.syringe_diameter_mm = 26.6
        check(abs(pump.syringe_diameter_mm - 26.6) < 1e-9, f"diameter {pump.syringe_diameter_mm}")
        pump.pumping_direction = nesp_lib.PumpingDirection.INFUSE
        pump.volume_infused_clear()
        pump.pumping_volume_ml = 0.05
        check(abs(pump.pumping_volume_ml - 0.05) < 1e-9, f"volume {pump.pumping_volume_ml}")
        pump.pumping_rate_ml_per_min = 6.0
        check(abs(pump.pumping_rate_ml_per_min - 6.0) < 1e-9, f"rate {pump.pumping_rate_ml_per_min}")

        # Run to the volume target; nesp-lib polls the status until the pump stops by itself.
        pump.run(wait_while_running=True)
        infused = pump.volume_infused_ml
        truth = ground_truth(control_path)
        check(abs(infused - 0.05) <= 0.001, f"infused {infused} mL after a 0.05 mL target")
        check(abs(infused - truth["dispensed_infused_ml"]) <= 0.001, f"nesp-lib {infused} vs pump {truth['dispensed_infused_ml']}")

        # Run again and stop it part-way: STP pauses, so nesp-lib sees it not running.
        pump.pumping_volume_ml = 1.0
        pump.run(wait_while_running=False)
        check(pump.running, "running after RUN")
        time.sleep(0.3)
        pump.stop(wait_while_running=True)
        stopped_at = pump.volume_infused_ml
        time.sleep(0.3)
        check(pump.volume_infused_ml == stopped_at, "volume still growing after STP")
        truth = ground_truth(control_path)
        check(truth["prompt"] in ("P", "S"), f"pump prompt {truth['prompt']} after STP")
        check(0.05 < stopped_at < 1.05, f"infused {stopped_at} mL after the second run")

    print(json.dumps({"safe_mode_s": safe_mode, "infused_first_run_ml": infused, "infused_total_ml": stopped_at,
                      "pump_truth_ml": truth["dispensed_infused_ml"], "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
