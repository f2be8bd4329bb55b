%% nothing here
