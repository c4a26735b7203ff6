select * from experiment_effects
