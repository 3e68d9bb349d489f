import Foundation

/// Every command of `mlctl`, in the order `mlctl --help` lists them.
let allCommands: [Command] = [
    TrainAllCommand.command,
    TrainCommand.train,
    TuneCommand.tune,
    ModelCommands.predict,
    ImportCommand.command,
    ExportCommand.command,
    EvaluateCommand.command,
    ServeCommand.command,
    ScoreBatchCommand.command,
] + ModelsCommands.all + CanaryCommands.all + ABCommands.all + [
    MonitorCommand.command,
    RetrainCommand.command,
    DatabaseCommands.migrate,
    DatabaseCommands.seed,
    DataCommands.extract,
    DataCommands.list,
    DataCommands.export,
    DataCommands.inspect,
]

// Past a file-size limit (ulimit -f) a write fails with EFBIG, which is reported and cleaned
// up like any write error, instead of SIGXFSZ ending the process mid-file.
signal(SIGXFSZ, SIG_IGN)
exit(Dispatcher(commands: allCommands).run(Array(CommandLine.arguments.dropFirst())))
