// SPDX-License-Identifier: MIT
pragma solidity >=0.8.20 <0.9.0;

// Number of public inputs of the epoch proof, all of which form the public header:
// [epoch, timestamp, root, risk_table_hash, reserves_commitment, totals_revealed,
//  totals_commitment, open_interest_hash, shape_digest, header_digest, batches_hash]
// (zkproof.statement.AGGREGATE_PUBLIC). The first ten are named and recorded; the statement
// hash covers all of them. Grow it here (and only here) when the statement grows; the verifier
// must be generated for the same count.
uint256 constant HEADER_FIELDS = 11;

// BN254 scalar field modulus r: every public input of a Groth16 proof is an element of F_r.
uint256 constant SNARK_SCALAR_FIELD =
    21888242871839275222246405745257275088548364400416034343698204186575808495617;

/// The verifier ABI shared by zkproof's generated verifier and snarkjs' (`zkey export
/// solidityverifier`). `b` is in EIP-197 limb order: [[x.c1, x.c0], [y.c1, y.c0]].
interface IGroth16Verifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[HEADER_FIELDS] calldata input
    ) external view returns (bool);
}

/// @title SolvencyRegistry: the on-chain record of verified proof-of-solvency epochs.
/// @notice The publisher submits one epoch at a time: a Groth16 proof and its public header
///   `[epoch, timestamp, root, risk_table_hash, reserves_commitment, totals_revealed,
///   totals_commitment, open_interest_hash, shape_digest, header_digest, batches_hash]` (the
///   aggregate proof's public inputs, zkproof.statement.AGGREGATE_PUBLIC). It checks, in this order (cheap checks first, the
///   pairing last):
///   1. the caller is the publisher (unauthorised publishers: `NotPublisher`);
///   2. every header field is < r (`HeaderFieldNotInField`; ATTACKS D1: an input x + r would
///      alias x inside the verifier, so it is refused rather than reduced);
///   3. `epoch` is strictly greater than the latest recorded epoch (replays, overwrites and
///      older epochs: `EpochNotIncreasing`; ATTACKS D4);
///   4. `timestamp` is not in the future (`TimestampInFuture`) and strictly later than the
///      latest recorded epoch's (`TimestampNotIncreasing`);
///   5. the verifier returns exactly `true` (`InvalidProof`; ATTACKS D3a). A verifier that
///      reverts (zkproof's, on malformed points or too little gas) makes `publish` revert too;
///      a verifier that returns `false` because its pairing ran out of gas (snarkjs') also
///      reverts here, and nothing is written (ATTACKS D3b).
///   Then it records epoch -> (statement hash, root, risk-table hash, reserves commitment,
///   totals commitment, timestamp, block time, totals-revealed flag, open-interest hash, shape
///   digest, header digest) and emits `EpochPublished`. The header digest is the SHA-256 of the
///   epoch's header.json (top 253 bits, docs/formats.md §11): anyone holding a header file
///   compares its digest with the recorded one, so every field of it (assets, instruments,
///   scenario labels, open interest, protocol accounts) is anchored on chain through the proof.
///   Totals (SPEC §1.4): the proof shows the liabilities L_a are <= the reserves either way.
///   `totals_revealed` = 1 means the epoch's header.json publishes L_a and `totals_commitment`
///   is H(tag, epoch, 0, L_1..L_A) (Poseidon: recompute it off chain to check a claimed total);
///   0 means the commitment is salted and the totals stay hidden. The circuit constrains the
///   flag to 0 or 1, so a verified header never carries another value.
/// @dev Epochs are keyed by the statement, never by proof bytes: Groth16 proofs are malleable
///   (anyone can re-randomize a valid proof into another valid proof of the same statement),
///   so a proof hash is not an identity. The statement hash is keccak256 of the header words.
///   The verifier address and the hash of its verification key are immutable (ATTACKS D5): a new
///   key means a new registry, visible to everyone. Only the publisher role can move, by the
///   current publisher, with an event.
contract SolvencyRegistry {
    struct EpochRecord {
        bytes32 statementHash;      // keccak256(abi.encodePacked(header))
        uint256 root;               // Merkle sum tree root (public input 2)
        uint256 riskTableHash;      // hash of the c, v, m table (public input 3)
        uint256 reservesCommitment; // commitment to the reserves R_a (public input 4)
        uint256 totalsCommitment;   // commitment to the liabilities L_a (public input 6)
        uint64 timestamp;           // the header's UTC timestamp (public input 1)
        uint64 publishedAt;         // block.timestamp of the publishing transaction
        bool totalsRevealed;        // public input 5: L_a published in the header (else hidden)
        uint256 openInterestHash;   // hash of the open interest per instrument (public input 7)
        uint256 shapeDigest;        // digest of the circuit shape (public input 8)
        uint256 headerDigest;       // SHA-256 of header.json, top 253 bits (public input 9)
    }

    error NotPublisher(address caller);
    error ZeroAddress();
    error HeaderFieldNotInField(uint256 index);
    error EpochNotIncreasing(uint256 epoch, uint256 latestEpoch);
    error TimestampInFuture(uint256 timestamp, uint256 blockTimestamp);
    error TimestampNotIncreasing(uint256 timestamp, uint256 latestTimestamp);
    error InvalidProof();
    error VkHashMismatch(bytes32 verifierVkHash, bytes32 given);

    event EpochPublished(
        uint256 indexed epoch,
        bytes32 indexed statementHash,
        uint256 root,
        uint256 riskTableHash,
        uint256 reservesCommitment,
        bool totalsRevealed,
        uint256 totalsCommitment,
        uint256 timestamp,
        uint256 headerDigest
    );
    event PublisherTransferred(address indexed previousPublisher, address indexed newPublisher);

    /// The Groth16 verifier for the epoch circuit (immutable: ATTACKS D5).
    IGroth16Verifier public immutable verifier;
    /// keccak256 of the verification key the verifier was generated from (the generated
    /// verifier's VK_HASH, checked at construction when the verifier exposes it), recorded so
    /// auditors can compare it with the published key.
    bytes32 public immutable vkHash;
    /// The only address allowed to publish epochs.
    address public publisher;
    /// The latest recorded epoch (0: none yet; epochs start at 1).
    uint256 public latestEpoch;

    mapping(uint256 => EpochRecord) private _epochs;

    constructor(IGroth16Verifier verifier_, bytes32 vkHash_, address publisher_) {
        if (address(verifier_) == address(0) || publisher_ == address(0)) revert ZeroAddress();
        // A zkproof verifier states its key hash (VK_HASH()); refuse a registry that would
        // record a different one. snarkjs' verifier has no such function: nothing to compare.
        (bool ok, bytes memory ret) = address(verifier_).staticcall(abi.encodeWithSignature("VK_HASH()"));
        if (ok && ret.length == 32 && abi.decode(ret, (bytes32)) != vkHash_) {
            revert VkHashMismatch(abi.decode(ret, (bytes32)), vkHash_);
        }
        verifier = verifier_;
        vkHash = vkHash_;
        publisher = publisher_;
        emit PublisherTransferred(address(0), publisher_);
    }

    /// @notice Verify and record one epoch. Reverts (and writes nothing) unless every check in
    ///   the contract notice holds. Returns the statement hash the epoch is recorded under.
    function publish(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[HEADER_FIELDS] calldata header
    ) external returns (bytes32 statementHash) {
        if (msg.sender != publisher) revert NotPublisher(msg.sender);
        for (uint256 i = 0; i < HEADER_FIELDS; ++i) {
            if (header[i] >= SNARK_SCALAR_FIELD) revert HeaderFieldNotInField(i);
        }
        uint256 epoch = header[0];
        uint256 timestamp = header[1];
        uint256 latest = latestEpoch;
        if (epoch <= latest) revert EpochNotIncreasing(epoch, latest);
        if (timestamp > block.timestamp) revert TimestampInFuture(timestamp, block.timestamp);
        uint256 latestTimestamp = _epochs[latest].timestamp;
        if (timestamp <= latestTimestamp) revert TimestampNotIncreasing(timestamp, latestTimestamp);
        // `== true` on the decoded bool, never "did not revert" (ATTACKS D3a).
        if (verifier.verifyProof(a, b, c, header) != true) revert InvalidProof();

        statementHash = statementHashOf(header);
        _epochs[epoch] = EpochRecord({
            statementHash: statementHash,
            root: header[2],
            riskTableHash: header[3],
            reservesCommitment: header[4],
            totalsCommitment: header[6],
            timestamp: uint64(timestamp), // <= block.timestamp, so it fits
            publishedAt: uint64(block.timestamp),
            totalsRevealed: header[5] == 1,
            openInterestHash: header[7],
            shapeDigest: header[8],
            headerDigest: header[9]
        });
        latestEpoch = epoch;
        emit EpochPublished(epoch, statementHash, header[2], header[3], header[4], header[5] == 1,
                            header[6], timestamp, header[9]);
    }

    /// @notice The recorded epoch (all zero if it was never published).
    function getEpoch(uint256 epoch) external view returns (EpochRecord memory) {
        return _epochs[epoch];
    }

    /// @notice keccak256 of the header's 32-byte big-endian words (the epoch's key).
    function statementHashOf(uint256[HEADER_FIELDS] calldata header) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(header));
    }

    /// @notice Hand the publisher role to `newPublisher` (only the current publisher; evented).
    function transferPublisher(address newPublisher) external {
        if (msg.sender != publisher) revert NotPublisher(msg.sender);
        if (newPublisher == address(0)) revert ZeroAddress();
        emit PublisherTransferred(publisher, newPublisher);
        publisher = newPublisher;
    }
}
