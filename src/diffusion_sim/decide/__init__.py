"""Decision jobs on top of the market: response curves, budget optimisation, calibration."""
