// Icarus Verilog testbench: streams a `logmac vectors` file (CLR A B ACC, hex) through the generated MAC
// and checks acc_o against ACC with the latency of the design. With BUBBLES=1 it also inserts idle cycles
// (en_i = 0) pseudo-randomly, which must hold the accumulator.
// Defines: DUT (module name), VECTORS (file name string). Parameters: WA, WB, WACC, PIPE, RESET, BUBBLES.
`timescale 1ns / 1ps
module tb;
  parameter integer WA = 8, WB = 8, WACC = 16, PIPE = 1, BUBBLES = 0;
  parameter [WACC-1:0] RESET = 0;

  reg clk = 1'b0, rst_n = 1'b0, en = 1'b0, clr = 1'b0;
  reg [WA-1:0] a = 0;
  reg [WB-1:0] b = 0;
  wire [WACC-1:0] acc;
  `DUT dut (.clk_i(clk), .rst_ni(rst_n), .en_i(en), .clr_i(clr), .a_i(a), .b_i(b), .acc_o(acc));

  always #5 clk = ~clk;

  // What the DUT sampled at each edge (en and the expected accumulator of that line), by edge number.
  reg hist_en [0:3];
  reg [WACC-1:0] hist_acc [0:3];
  reg [WACC-1:0] want;
  integer fd, n, lines, errors, edges, k, seed, drain;
  reg [1023:0] text;
  reg [63:0] f_clr, f_a, f_b, f_acc;
  reg have_line;

  task read_line;  // next stimulus line into f_*; have_line = 0 at the end of the file
    begin
      have_line = 1'b0;
      while (!have_line && !$feof(fd)) begin
        text = 0;
        n = $fgets(text, fd);
        if (n > 0 && $sscanf(text, "%h %h %h %h", f_clr, f_a, f_b, f_acc) == 4) have_line = 1'b1;
      end
    end
  endtask

  initial begin
    fd = $fopen(`VECTORS, "r");
    if (fd == 0) begin
      $display("FAIL: cannot open %s", `VECTORS);
      $finish;
    end
    seed = 1;
    lines = 0;
    errors = 0;
    edges = 0;
    drain = 0;
    want = RESET;
    for (k = 0; k < 4; k = k + 1) hist_en[k] = 1'b0;
    #12;
    if (acc !== RESET) begin
      $display("FAIL: acc_o = %h during reset, want %h", acc, RESET);
      errors = errors + 1;
    end
    rst_n = 1'b1;
    read_line;
    while (have_line || drain <= PIPE) begin
      @(negedge clk);
      // Inputs for the next rising edge: a line (en = 1) or, with BUBBLES, sometimes an idle cycle.
      if (have_line && !(BUBBLES && ($random(seed) & 7) == 0)) begin
        en = 1'b1;
        clr = f_clr[0];
        a = f_a[WA-1:0];
        b = f_b[WB-1:0];
        hist_en[edges % 4] = 1'b1;
        hist_acc[edges % 4] = f_acc[WACC-1:0];
        lines = lines + 1;
        read_line;
      end else begin
        en = 1'b0;
        a = {WA{1'bx}};  // operands of an idle cycle must not matter
        b = {WB{1'bx}};
        clr = 1'bx;
        hist_en[edges % 4] = 1'b0;
      end
      @(posedge clk);
      #1;
      // After edge `edges`, acc_o reflects what was sampled at edge `edges - PIPE`.
      if (edges >= PIPE && hist_en[(edges - PIPE) % 4]) want = hist_acc[(edges - PIPE) % 4];
      if (acc !== want) begin
        errors = errors + 1;
        if (errors <= 10) $display("FAIL: after edge %0d (line %0d): acc_o = %h, want %h", edges, lines, acc, want);
      end
      edges = edges + 1;
      if (!have_line) drain = drain + 1;
    end
    if (errors == 0) $display("PASS: %0d lines, %0d cycles", lines, edges);
    else $display("FAIL: %0d mismatches in %0d lines", errors, lines);
    $finish;
  end
endmodule
