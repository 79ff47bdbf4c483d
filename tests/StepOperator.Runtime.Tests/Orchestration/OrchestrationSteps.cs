using StepOperator.Execution;

namespace StepOperator.Runtime.Tests.Orchestration;

/// <summary>
/// The steps orchestration tests run, registered as generated code registers them (StepEntrypoints helpers, which
/// StepCatalog.Register), and their submission stubs written as the generator writes them.
/// </summary>
internal static class OrchestrationSteps
{
    public const string Number = "Orch_Number";
    public const string Twice = "Orch_Twice";
    public const string Add = "Orch_Add";
    public const string Fail = "Orch_Fail";

    /// <summary>Backend failures retried twice, at once.</summary>
    public const string Flaky = "Orch_Flaky";

    /// <summary>Like <see cref="Flaky"/>, but the step itself throws.</summary>
    public const string Throwing = "Orch_Throwing";

    /// <summary>Backend failures retried twice, 10 s and then 30 s after the failed attempt.</summary>
    public const string Patient = "Orch_Patient";

    private const string Type = "StepOperator.Runtime.Tests.Orchestration.OrchestrationSteps";

    private static readonly StepSettings RetriedAtOnce = new() { MaxRetries = 2, RetryDelay = 0 };

    /// <summary>Registers the steps (again: a registration of the same step and method replaces the earlier one).</summary>
    public static void Register()
    {
        StepEntrypoints.Orchestrator(Number, Type + ".NumberStep(int)", new StepSettings(), StepEntrypoints.Result1<int, int>(NumberStep, "x"));
        StepEntrypoints.Orchestrator(Twice, Type + ".TwiceStep(int)", new StepSettings(), StepEntrypoints.Result1<int, int>(TwiceStep, "x"));
        StepEntrypoints.Modal(Add, Type + ".AddStep(int, int)", new StepSettings(), StepEntrypoints.Result2<int, int, int>(AddStep, "a", "b"));
        StepEntrypoints.Orchestrator(Fail, Type + ".FailStep(int)", new StepSettings(), StepEntrypoints.Result1<int, int>(FailStep, "x"));
        StepEntrypoints.Orchestrator(Flaky, Type + ".NumberStep(int)", RetriedAtOnce, StepEntrypoints.Result1<int, int>(NumberStep, "x"));
        StepEntrypoints.Orchestrator(Throwing, Type + ".FailStep(int)", RetriedAtOnce, StepEntrypoints.Result1<int, int>(FailStep, "x"));
        StepEntrypoints.Orchestrator(Patient, Type + ".NumberStep(int)", new StepSettings { MaxRetries = 2, RetryDelay = 10, RetryBackoff = 3 },
            StepEntrypoints.Result1<int, int>(NumberStep, "x"));
    }

    public static StepOutput<int> SubmitNumber(StepInput<int> x) => StepSubmission.Submit<int>(Number, x.Bind("x"));

    public static StepOutput<int> SubmitTwice(StepInput<int> x) => StepSubmission.Submit<int>(Twice, x.Bind("x"));

    public static StepOutput<int> SubmitAdd(StepInput<int> a, StepInput<int> b) => StepSubmission.Submit<int>(Add, a.Bind("a"), b.Bind("b"));

    public static StepOutput<int> SubmitFail(StepInput<int> x) => StepSubmission.Submit<int>(Fail, x.Bind("x"));

    public static StepOutput<int> SubmitFlaky(StepInput<int> x) => StepSubmission.Submit<int>(Flaky, x.Bind("x"));

    public static StepOutput<int> SubmitThrowing(StepInput<int> x) => StepSubmission.Submit<int>(Throwing, x.Bind("x"));

    public static StepOutput<int> SubmitPatient(StepInput<int> x) => StepSubmission.Submit<int>(Patient, x.Bind("x"));

    /// <summary>A pipeline whose method is <paramref name="run"/> (the steps are registered first).</summary>
    public static PipelineDefinition Pipeline(string name, Func<CancellationToken, Task> run)
    {
        Register();
        return new PipelineDefinition(name, Type + "." + name, run);
    }

    private static int NumberStep(int x) => x;

    private static int TwiceStep(int x) => 2 * x;

    private static int AddStep(int a, int b) => a + b;

    private static int FailStep(int x) => throw new InvalidOperationException($"no data for {x}");
}

/// <summary>Waits for what another thread does.</summary>
internal static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test (naming <paramref name="what"/>) after <paramref name="seconds"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Waited {seconds} s for: {what}");
            }

            await Task.Delay(10);
        }
    }
}
