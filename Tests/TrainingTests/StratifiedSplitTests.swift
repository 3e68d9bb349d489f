import Testing
@testable import Training

@Suite struct StratifiedSplitTests {
    let labels: [UInt8] = (0..<1000).map { $0 % 10 == 0 ? 1 : 0 }  // 100 positives

    @Test func partsAreDisjointCoverAllAndKeepTheClassBalance() {
        let s = StratifiedSplit.trainValidTest(labels: labels, validFraction: 0.2, testFraction: 0.1, seed: 5)
        #expect(Set(s.train + s.valid + s.test).count == 1000)
        #expect(s.train.count + s.valid.count + s.test.count == 1000)
        #expect(s.test.filter { labels[$0] == 1 }.count == 10)
        #expect(s.valid.filter { labels[$0] == 1 }.count == 20)
        #expect(s.test.count == 100 && s.valid.count == 200)
        #expect(s.train == s.train.sorted())
    }

    @Test func sameSeedSameSplitOtherSeedOther() {
        let a = StratifiedSplit.trainValidTest(labels: labels, validFraction: 0.2, testFraction: 0.2, seed: 1)
        let b = StratifiedSplit.trainValidTest(labels: labels, validFraction: 0.2, testFraction: 0.2, seed: 1)
        let c = StratifiedSplit.trainValidTest(labels: labels, validFraction: 0.2, testFraction: 0.2, seed: 2)
        #expect(a == b && a != c)
    }

    @Test func kFoldsPartitionTheRowsWithBalancedClasses() {
        let folds = StratifiedSplit.kFold(labels: labels, k: 5, seed: 3)
        #expect(folds.count == 5)
        #expect(Set(folds.flatMap { $0 }).count == 1000)
        for fold in folds {
            #expect(fold.count == 200)
            #expect(fold.filter { labels[$0] == 1 }.count == 20)
        }
        let train = StratifiedSplit.complement(of: folds[0], rowCount: 1000)
        #expect(train.count == 800 && Set(train).isDisjoint(with: folds[0]))
        #expect(StratifiedSplit.kFold(labels: labels, k: 5, seed: 3) == folds)
    }
}

@Suite struct TimeOrderedSplitTests {
    @Test func earliestRowsTrainLatestTest() {
        let keys: [Double] = [5, 1, 9, 3, 7, 2, 8, 4, 6, 0]
        let split = StratifiedSplit.timeOrdered(keys: keys, validFraction: 0.2, testFraction: 0.2)
        #expect(split.train.map { keys[$0] }.sorted() == [0, 1, 2, 3, 4, 5])
        #expect(split.valid.map { keys[$0] }.sorted() == [6, 7])
        #expect(split.test.map { keys[$0] }.sorted() == [8, 9])
        #expect(split.train == split.train.sorted())
        // Ties go by row order.
        let tied = StratifiedSplit.timeOrdered(keys: [1, 1, 1, 1, 1], validFraction: 0.2, testFraction: 0.2)
        #expect(tied.train == [0, 1, 2] && tied.valid == [3] && tied.test == [4])
    }
}
