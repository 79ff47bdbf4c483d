using System;
using System.Collections.Generic;

namespace StepOperator;

/// <summary>What a step takes and returns, as its entrypoint describes it when asked.</summary>
internal sealed class StepDescription
{
    public List<StepParameter> Parameters { get; } = new();

    public Type? OutputType { get; set; }
}
