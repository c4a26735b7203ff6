select * from experiment_periods
