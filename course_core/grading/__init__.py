"""Grading: the engine that runs Build-Sabotage-Reflect-Repair checks, and the reports it writes.

May import: errors, paths, artifacts, measurement (the gate, for Sabotage evidence). Never
learning or present: course/grade.py does the printing.
"""
