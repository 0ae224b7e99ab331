import Testing
@testable import ConfgateCore

/// The edges arithmetic decides for free (issue #17): on current.conf's shape at the default gate.
@Suite("tune: arithmetic edges")
struct TuneArithmeticTests {
    static let current = Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6), server: .init(maxConnections: 100))

    @Test func currentConfHasHardEdge16AndUtilizationEdge14() {
        let a = TuneArithmetic(settings: Self.current, gate: GateSettings(), dimension: .poolMaxSize)
        #expect(a.hardEdge == 16)
        #expect(a.hardEdgeText == "6 × 16 = 96 ≤ 97")
        #expect(a.pastHardEdgeText == "6 × 17 = 102 > 97")
        #expect(a.utilizationEdge == 14)
        #expect(a.utilizationEdgeText == "6 × 14 = 84 ≤ 87.3")
        #expect(a.littleMinimum == 1)
        #expect(a.littleText == "400/s × 3 spike = 1200 logins/s × 5ms = 6.0 connections busy at least")
        #expect(a.impossible == nil)
        #expect(!a.deployGated)
    }

    @Test func theSurgeCountsWhenTheDeployIsGated() {
        var s = Self.current
        s.fleet.maxSurge = 2
        let a = TuneArithmetic(settings: s, gate: GateSettings(), dimension: .poolMaxSize)
        #expect(a.deployGated)
        #expect(a.hardEdge == 12)
        #expect(a.hardEdgeText == "(6 + 2) × 12 = 96 ≤ 97")
        var off = GateSettings()
        off.load.deploy = false
        #expect(TuneArithmetic(settings: s, gate: off, dimension: .poolMaxSize).hardEdge == 16)
    }

    @Test func instancesHaveTheirOwnEdges() {
        let a = TuneArithmetic(settings: Self.current, gate: GateSettings(), dimension: .fleetInstances)
        #expect(a.hardEdge == 6)
        #expect(a.hardEdgeText == "6 × 15 = 90 ≤ 97")
        #expect(a.utilizationEdge == 5)
        #expect(a.current == 6)
    }

    @Test func fewerUsableConnectionsThanInstancesIsImpossible() {
        var s = Self.current
        s.server.maxConnections = 8
        let a = TuneArithmetic(settings: s, gate: GateSettings(), dimension: .poolMaxSize)
        #expect(a.hardEdge == nil)
        #expect(a.impossible?.contains("6 × 1 = 6 > 5") == true)
    }

    @Test func aRateBeyondLittlesLawIsImpossible() {
        var s = Self.current
        s.server.maxConnections = 20
        var gate = GateSettings()
        gate.load.rate = 2000
        let a = TuneArithmetic(settings: s, gate: gate, dimension: .poolMaxSize)
        #expect(a.hardEdge == 2)
        #expect(a.impossible?.hasPrefix("the rate needs more connections than the server allows: 2000/s × 3 spike = 6000 logins/s × 5ms = 30.0 connections busy") == true)
        #expect(a.impossible?.contains("gives the fleet 12") == true)
    }

    @Test func aFleetThatWouldHoldEveryUsableConnectionIsNotTheReference() {
        var s = Self.current
        s.server.maxConnections = 99  // usable 96 = 6 × 16
        let a = TuneArithmetic(settings: s, gate: GateSettings(), dimension: .poolMaxSize)
        #expect(a.hardEdge == 16)
        #expect(a.hardEdgeText == "6 × 16 = 96 ≤ 96")
        #expect(a.trialTop == 15)
        #expect(TuneArithmetic(settings: Self.current, gate: GateSettings(), dimension: .poolMaxSize).trialTop == 16)
    }

    @Test func minIdleComesDownWithThePool() {
        var s = Self.current
        s.pool.minIdle = 15
        #expect(TuneDimension.poolMaxSize.applying(10, to: s).pool.minIdle == 10)
        #expect(TuneDimension.poolMaxSize.applying(16, to: s).pool.minIdle == 15)
    }
}
