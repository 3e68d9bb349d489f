// In-process timings of mlctl's engines, for the comparison scripts in bench/ (which time
// the reference libraries the same way, in the same run). Prints one JSON object.
//
//   mlctl-bench gbdt TRAIN.csv TEST.csv TARGET TREES LEARNING_RATE NUM_LEAVES MAX_BIN THREADS [GROWTH]
//   mlctl-bench linear DATA.csv TARGET THREADS
//   mlctl-bench tune OUT.json [--seeds A-B] [--functions f,g] [--samplers s,t]
//   mlctl-bench metrics ROWS [RESAMPLES]
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
let result: [String: Any]
switch arguments.dropFirst().first {
case "gbdt" where arguments.count >= 10: result = try benchmarkGBDT(arguments)
case "linear" where arguments.count >= 5: result = try benchmarkLinear(arguments)
case "tune" where arguments.count >= 3: result = try benchmarkTuning(arguments)
case "metrics" where arguments.count >= 3: result = try benchmarkMetrics(arguments)
default:
    FileHandle.standardError.write(Data("""
        usage: mlctl-bench gbdt TRAIN.csv TEST.csv TARGET TREES LEARNING_RATE NUM_LEAVES MAX_BIN THREADS [GROWTH]
               mlctl-bench linear DATA.csv TARGET THREADS
               mlctl-bench tune OUT.json [--seeds A-B] [--functions f,g] [--samplers s,t]
               mlctl-bench metrics ROWS [RESAMPLES]

        """.utf8))
    exit(2)
}
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
