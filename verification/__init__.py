"""lnsgen verification: cocotb benches that compare the generated Verilog with golden."""
