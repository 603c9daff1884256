import Foundation

/// MT19937, the generator behind Python's `random`, NumPy's legacy `RandomState`
/// and PyTorch's CPU generator. The reference draws its task data from these, so
/// regenerating the data bit for bit needs the same stream of 32-bit words.
struct MersenneTwister {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `init_genrand(seed)`: NumPy `RandomState.seed(int)`, `torch.manual_seed(int)`.
    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    /// `init_by_array(key)`: Python's `random.seed(int)` with the integer's 32-bit words.
    init(key: [UInt32]) {
        self.init(seed: 19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    /// The next 32-bit output (`genrand_uint32`).
    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for k in 0..<624 {
            let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(k + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[k] = v
        }
        index = 0
    }
}

/// Python's `random.Random` for the calls the reference's generators make.
struct PythonRandom {
    private var mt: MersenneTwister

    /// `random.seed(n)` for a non-negative integer below 2^32 (one key word; 0 gives key [0]).
    init(seed: UInt32) { mt = MersenneTwister(key: [seed]) }

    /// `getrandbits(k)` for 1 ≤ k ≤ 32.
    mutating func bits(_ k: Int) -> Int { Int(mt.next() >> UInt32(32 - k)) }

    /// `_randbelow(n)`: k = n.bit_length() bits, rejected until below n (so n = 1
    /// still consumes at least one word).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0 && n <= 1 << 31)
        let k = Int.bitWidth - n.leadingZeroBitCount
        var r = bits(k)
        while r >= n { r = bits(k) }
        return r
    }

    mutating func choice<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// `random.sample(population, k)`, both of CPython's strategies (pool for small
    /// populations, rejection set for large ones) chosen by the same size rule.
    mutating func sample<T>(_ population: [T], _ k: Int) -> [T] {
        let n = population.count
        precondition(k >= 0 && k <= n)
        var setSize = 21
        if k > 5 { setSize += Self.power4(ceilLog4(Double(k * 3))) }
        if n <= setSize {
            var pool = population
            var result: [T] = []
            for i in 0..<k {
                let j = below(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
            return result
        }
        var selected = Set<Int>()
        var result: [T] = []
        for _ in 0..<k {
            var j = below(n)
            while selected.contains(j) { j = below(n) }
            selected.insert(j)
            result.append(population[j])
        }
        return result
    }

    /// `_ceil(_log(x, 4))` as CPython computes it (floating point log ratio).
    private func ceilLog4(_ x: Double) -> Int { Int((log(x) / log(4.0)).rounded(.up)) }
    private static func power4(_ e: Int) -> Int { (0..<e).reduce(1) { acc, _ in acc * 4 } }
}

/// NumPy's legacy `RandomState` (`np.random.seed`, `np.random.randint`).
struct NumpyRandomState {
    private var mt: MersenneTwister

    init(seed: UInt32) { mt = MersenneTwister(seed: seed) }

    /// `randint(n)`: masked rejection sampling on 32-bit words, as the legacy
    /// bounded-integer path does for ranges below 2^32.
    mutating func randint(_ n: Int) -> Int {
        precondition(n > 0 && n <= 1 << 32)
        let rng = UInt32(n - 1)
        var mask = rng
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        var v = mt.next() & mask
        while v > rng { v = mt.next() & mask }
        return Int(v)
    }
}

/// PyTorch's CPU generator after `torch.manual_seed(seed)`, for `torch.randint`
/// with ranges below 2^32 (one 32-bit word per value, taken modulo the range).
struct TorchGenerator {
    private var mt: MersenneTwister

    init(seed: UInt32) { mt = MersenneTwister(seed: seed) }

    /// `torch.randint(low, high, (count,))`.
    mutating func randint(_ low: Int, _ high: Int, count: Int) -> [Int] {
        precondition(high > low && high - low <= Int(UInt32.max))
        let range = UInt32(high - low)
        return (0..<count).map { _ in low + Int(mt.next() % range) }
    }
}

extension TorchGenerator {
    /// `torch.randperm(n)` on the CPU: a Fisher-Yates pass, swap i with i + (word mod (n − i)).
    mutating func randperm(_ n: Int) -> [Int] {
        var r = Array(0..<n)
        for i in 0..<max(0, n - 1) {
            let z = Int(mt.next() % UInt32(n - i))
            r.swapAt(i, z + i)
        }
        return r
    }
}
