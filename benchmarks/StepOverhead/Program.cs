using StepOperator;
using StepOverhead;

// Per-step overhead of the local stack against calling the steps in-process (goal: at most 150 ms per step).
// `bench` measures (see Bench.cs); `direct` calls the twenty steps in this process;
// anything else is the StepOperator program: `Chain` runs the pipeline, `step ...` is a step's child process.
return args.FirstOrDefault() switch
{
    "bench" => await Bench.RunAsync(args[1..]),
    "direct" => NoOpSteps.Direct() == NoOpSteps.Count ? 0 : 1,
    _ => await StepOperatorHost.RunAsync(args),
};
