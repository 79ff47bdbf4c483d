using System;
using System.Collections.Generic;
using System.Linq;

namespace StepOperator.Flavors;

/// <summary>
/// Environment variables that hold credentials. They are read by the orchestrator only and are
/// never passed on to a step's process, container or sandbox.
/// </summary>
public static class SecretVariables
{
    // Kept out of step processes even in a program without the backend that reads them: a variable set for another
    // program on the same machine is no less a secret.
    private static readonly string[] WellKnown = { "MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "STEPOPERATOR_REGISTRY_PASSWORD" };

    /// <summary>The well-known credential variables and those the installed flavors declare (<see cref="Flavor.SecretVariables"/>).</summary>
    internal static IReadOnlyList<string> Names =>
        WellKnown.Concat(FlavorCatalog.All.SelectMany(flavor => flavor.SecretVariables)).Distinct(StringComparer.Ordinal).ToList();
}
