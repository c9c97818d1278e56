# The values of workspace `prod`, read by themselves with --workspace prod.
env               = "PROD"
compute_warehouse = "COMPUTE_WH_PROD"
