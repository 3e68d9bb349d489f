// Evaluation: metrics, curves, calibration and reports over (scores, labels, weights). See issue 6.
