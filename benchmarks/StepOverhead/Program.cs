using StepOperator;
using StepOverhead;

// P3 of issue 8. `bench` measures (see Bench.cs); `direct` calls the twenty steps in this process;
// anything else is the StepOperator program: `Chain` runs the pipeline, `step ...` is a step's child process.
return args.FirstOrDefault() switch
{
    "bench" => await Bench.RunAsync(args[1..]),
    "direct" => NoOpSteps.Direct() == NoOpSteps.Count ? 0 : 1,
    _ => await StepOperatorHost.RunAsync(args),
};
