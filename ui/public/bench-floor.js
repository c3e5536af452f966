// The same "ready" mark the app sets once its instance list is painted.
requestAnimationFrame(() => setTimeout(() => performance.mark("dhis2w-ready"), 0));
