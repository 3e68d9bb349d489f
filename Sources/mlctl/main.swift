import Foundation

/// Every command of `mlctl`, in the order `mlctl --help` lists them.
let allCommands: [Command] = [
    TrainAllCommand.command,
    TrainCommand.train,
    TuneCommand.tune,
    ModelCommands.predict,
    EvaluateCommand.command,
    ServeCommand.command,
    ScoreBatchCommand.command,
] + ModelsCommands.all + ABCommands.all + [
    DatabaseCommands.migrate,
    DatabaseCommands.seed,
    DataCommands.extract,
    DataCommands.list,
    DataCommands.export,
    DataCommands.inspect,
]

exit(Dispatcher(commands: allCommands).run(Array(CommandLine.arguments.dropFirst())))
