select * from logic_model_links
