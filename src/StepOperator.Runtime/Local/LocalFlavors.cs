using System.Runtime.CompilerServices;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Local;

/// <summary>The core's own flavors, registered when the core's module loads: every program has the local stack.</summary>
internal static class LocalFlavors
{
#pragma warning disable CA2255 // The core registers its own flavors before any of its code runs, as the generated code registers a backend's.
    [ModuleInitializer]
    internal static void Register()
#pragma warning restore CA2255
    {
        FlavorCatalog.Register(new LocalProcessFlavor(ComponentType.Orchestrator));
        FlavorCatalog.Register(new LocalProcessFlavor(ComponentType.StepOperator));
        FlavorCatalog.Register(new LocalArtifactStoreFlavor());
    }
}
