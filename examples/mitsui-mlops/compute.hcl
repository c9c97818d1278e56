# The warehouse that refreshes the feature views and runs the scoring tasks.
warehouse "compute" {
  name         = var.compute_warehouse
  size         = "XSMALL"
  auto_suspend = 60
  comment      = "Feature refreshes and scoring"
}

# One database per environment. It holds the raw data too, so it is never dropped.
database "main" {
  name    = local.database
  comment = "Patient ML platform (${var.env})"

  lifecycle {
    prevent_destroy = true
  }
}
