using System;

namespace StepOperator;

/// <summary>
/// Marks a method as a pipeline step that runs on the orchestrator's side (the stack's local or
/// Docker backend). Resource properties apply where the backend can honour them.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class StepAttribute : StepAttributeBase
{
}
