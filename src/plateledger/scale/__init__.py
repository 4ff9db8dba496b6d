"""Scale-out past one machine: the same searches on Apache Spark over the Parquet layout."""
