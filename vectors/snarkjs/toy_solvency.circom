pragma circom 2.0.0;
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Toy solvency statement: two private balances, each < 2^16, whose sum (public output) is at
// most the public reserves. Public signals in snarkjs order: [total, reserves].
template ToySolvency() {
    signal input reserves;
    signal input balances[2];
    signal output total;
    component range[2];
    for (var i = 0; i < 2; i++) {
        range[i] = Num2Bits(16);
        range[i].in <== balances[i];
    }
    total <== balances[0] + balances[1];
    component covered = LessEqThan(20);
    covered.in[0] <== total;
    covered.in[1] <== reserves;
    covered.out === 1;
}

component main {public [reserves]} = ToySolvency();
