"""Layer 9, course: helpers only a lesson uses (EDA tables and plots, the transfer experiment, scaling arithmetic, the search). Nothing imports it."""
