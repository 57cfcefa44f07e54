"""Grading: the engine that runs Build-Sabotage-Reflect-Repair checks, and the reports it writes."""
