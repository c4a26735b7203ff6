select * from metric_catalogue
