namespace StepOperator.Stacks;

/// <summary>The image a run would use, and what it would do to have it ("build", "reuse (built before)", ...).</summary>
public sealed record ImagePlan(string? Reference, string Action);
