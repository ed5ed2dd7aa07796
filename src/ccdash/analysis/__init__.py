"""Analysis layer: distances on the ground, wifi coverage on an H3 grid, the planner and blind spots.

Pure numpy/pandas over what the data layer loaded. Imports ccdash.data only.
"""
