# The values of workspace `dev`, read by themselves with --workspace dev.
env               = "DEV"
compute_warehouse = "COMPUTE_WH_DEV"
