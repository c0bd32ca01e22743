// The DevHost module; its types are added by the files beside this one.
