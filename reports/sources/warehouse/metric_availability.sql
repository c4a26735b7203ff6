select * from metric_availability
